// Zone policies and projections applied before a change leaves the master, and the CURVE + ZAP
// security of every ZeroMQ link. See docs/security.md.
export {
  BUILTIN_POLICIES,
  BUILTIN_POLICY_NAMES,
  type BuiltinPolicy,
  type BuiltinPolicyName,
  ZONE_EVENT_KINDS,
  type ZoneEventKind,
} from './builtin-policies.ts';
export {
  type CurveClientOptions,
  type CurveServerOptions,
  configureCurveClient,
  configureCurveServer,
  configurePlaintextServer,
} from './curve-sockets.ts';
export { SECURITY_ERROR_CODES, SecurityError, type SecurityErrorCode } from './errors.ts';
export {
  assertKeyPair,
  CURVE_KEY_LENGTH,
  type CurveKeyPair,
  derivePublicKey,
  describeKeyProblem,
  generateKeyPair,
  isCurveKey,
  isSecretKey,
  parsePublicKey,
  parseSecretKey,
  publicKeyFromBytes,
  type SecretKey,
} from './keys.ts';
export {
  checkSecretFileMode,
  type FileModeVerdict,
  type KeySource,
  type LoadKeyOptions,
  type LoadKeyResult,
  loadPublicKey,
  loadSecretKey,
} from './load-key.ts';
export { ALLOW_LIST_NAMES, type AllowListName, type FieldRule, type Projection } from './projection.ts';
export {
  copyJson,
  createSensitiveKeyMatcher,
  DEFAULT_SENSITIVE_KEYS,
  type SensitiveKeyMatcher,
} from './sensitive-keys.ts';
export { z85Decode, z85Encode } from './z85.ts';
export {
  startZapHandler,
  ZAP_ENDPOINT,
  type ZapAcceptance,
  ZapHandler,
  type ZapHandlerOptions,
  type ZapStats,
} from './zap-handler.ts';
export {
  ZAP_REJECT_REASONS,
  type ZapDomainConfig,
  type ZapRejection,
  type ZapRejectReason,
} from './zap-policy.ts';
export {
  type ChangeInput,
  createZonePolicy,
  type ProjectedChange,
  type ProjectedEntity,
  type ZonePolicy,
  type ZonePolicyConfig,
  zonePolicyConfigSchema,
} from './zone-policy.ts';
