/**
 * The `authz.*` events each change publishes (catalogue: packages/contracts/src/events/authz.ts).
 * Every event carries the change-log revision as its CloudEvents `sequence`: revisions grow in
 * commit order, so consumers that keep projections (identity's claims) can order updates of one
 * subject by it. Resource parents have no event type in the catalogue and publish nothing.
 */
import { type CloudEvent, createEvent } from '@authplatform/contracts';
import type { Assignment, Grant, Membership, Role } from '../domain/model.ts';

export interface Actor {
  type: 'user' | 'client' | 'admin' | 'system';
  id?: string | undefined;
  /** The caller's token permissions, for the escalation rule (escalation.ts); never published. */
  permissions?: readonly string[] | undefined;
}

/** The caller to check for escalation: undefined for the service's own changes. */
export const callerOf = (actor: Actor) =>
  actor.permissions === undefined ? undefined : { permissions: actor.permissions };

/** Builds one event once the revision of its change is known. */
export type EventBuilder = (sequence: number) => CloudEvent;

const withActor = (actor: Actor | undefined) => (actor === undefined ? {} : { actor: cleanActor(actor) });
const cleanActor = (actor: Actor) =>
  actor.id === undefined ? { type: actor.type } : { type: actor.type, id: actor.id };

export const SYSTEM_ACTOR: Actor = { type: 'system' };

export function roleSaved(role: Role, created: boolean, actor: Actor | undefined): EventBuilder {
  const data = {
    name: role.name,
    permissions: role.permissions,
    includes: role.includes,
    ...withActor(actor),
  };
  return (sequence) =>
    created
      ? createEvent('authz.role.created', data, { sequence })
      : createEvent('authz.role.updated', data, { sequence });
}

export function roleDeleted(name: string, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.role.deleted', { name, ...withActor(actor) }, { sequence });
}

function assignmentData(a: Assignment, actor: Actor | undefined) {
  return {
    subject: a.subject,
    role: a.role,
    ...(a.scope === null ? {} : { scope: a.scope }),
    ...withActor(actor),
  };
}

export function roleAssigned(a: Assignment, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.role.assigned', assignmentData(a, actor), { sequence });
}

export function roleUnassigned(a: Assignment, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.role.unassigned', assignmentData(a, actor), { sequence });
}

function grantData(g: Grant, actor: Actor | undefined) {
  return {
    grant_id: g.id,
    subject: g.subject,
    permission: g.permission,
    resource: g.resource,
    ...withActor(actor),
  };
}

export function grantCreated(g: Grant, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.grant.created', grantData(g, actor), { sequence });
}

export function grantDeleted(g: Grant, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.grant.deleted', grantData(g, actor), { sequence });
}

function membershipData(m: Membership, actor: Actor | undefined) {
  return { group_id: m.group.slice('group:'.length), subject: m.member, ...withActor(actor) };
}

export function memberAdded(m: Membership, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.group.member_added', membershipData(m, actor), { sequence });
}

export function memberRemoved(m: Membership, actor: Actor | undefined): EventBuilder {
  return (sequence) => createEvent('authz.group.member_removed', membershipData(m, actor), { sequence });
}
