export { ComplianceExportError, type ComplianceExportErrorCode } from './errors.ts';
export {
  type ComplianceExportPartInput,
  type ComplianceExportParts,
  type ComplianceExportPartsOptions,
  type ComplianceExportReady,
  complianceExportKey,
  createComplianceExportParts,
  defaultComplianceBucket,
  ensureComplianceBucket,
} from './export-parts.ts';
