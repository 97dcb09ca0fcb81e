import { ApiKey } from './api-key.entity';
import { MfaRecoveryCode } from './mfa-recovery-code.entity';
import { OneTimeToken } from './one-time-token.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';
import { User } from './user.entity';
import { UserIdentity } from './user-identity.entity';

export * from './api-key.entity';
export * from './mfa-recovery-code.entity';
export * from './one-time-token.entity';
export * from './refresh-token.entity';
export * from './session.entity';
export * from './user.entity';
export * from './user-identity.entity';

/** Every entity; MikroORM is configured with this list (no folder scanning). */
export const ENTITIES = [User, Session, RefreshToken, ApiKey, OneTimeToken, MfaRecoveryCode, UserIdentity];
