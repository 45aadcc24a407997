/** The authz domain: the model, input syntax, conditions and the in-memory decision index. */

export {
  type ConditionEngine,
  type ConditionEngineOptions,
  type ConditionOutcome,
  type ConditionResult,
  type ConditionValidation,
  createConditionEngine,
  defaultConditionEngine,
  ipInCidr,
  MAX_CONDITION_LENGTH,
  timeBetween,
  validateCondition,
} from './conditions.ts';
export {
  type AuthzIndex,
  type AuthzIndexOptions,
  type AuthzIndexStats,
  createAuthzIndex,
} from './decision-index.ts';
export type {
  ExplainedAssignment,
  ExplainedCondition,
  ExplainedGrant,
  ExplainedHolder,
  ExplainedPath,
  Explanation,
  PathOutcome,
} from './explain.ts';
export { DEFAULT_MAX_RESOURCE_DEPTH } from './hierarchy.ts';
export type { LookupResourcesRequest, LookupSubjectsRequest } from './lookup.ts';
export * from './model.ts';
export {
  canonicalSubject,
  isGroup,
  isValidPermission,
  isValidResource,
  isValidResourceType,
  isValidSubject,
  type ParsedRef,
  type ParsedSubject,
  PermissionSet,
  type PermissionSyntaxOptions,
  parseResource,
  parseSubject,
  permissionCovers,
  SUBJECT_TYPES,
  type SubjectType,
  typeOf,
  userSubject,
} from './permissions.ts';
export { BUILT_IN_ROLES, isBuiltInRole, type RoleMatch } from './roles.ts';
export { AuthzDomainError } from './state.ts';
