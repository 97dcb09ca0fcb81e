import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { BuiltInRole } from '../../domain/roles';

export enum UserStatus {
  Active = 'active',
  Suspended = 'suspended',
  Deleted = 'deleted',
}

@Entity({ tableName: 'users' })
export class User {
  [OptionalProps]?: 'role' | 'status' | 'mfaEnabled' | 'createdAt' | 'updatedAt' | 'passwordHash' | 'emailVerifiedAt' | 'mfaSecretEnc' | 'mfaPendingSecretEnc' | 'mfaLastStep' | 'deletedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Stored lower-cased; unique among all users, deleted ones are renamed on deletion. */
  @Property({ type: 'string', length: 320, unique: true })
  email: string;

  @Property({ type: 'string', length: 200 })
  name: string;

  @Property({ type: 'string', nullable: true, hidden: true })
  passwordHash: string | null = null;

  @Property({ type: 'string', length: 64 })
  @Index()
  role: string = BuiltInRole.Member;

  @Enum({ items: () => UserStatus, type: 'string' })
  status: UserStatus = UserStatus.Active;

  @Property({ type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null = null;

  @Property({ type: 'boolean' })
  mfaEnabled = false;

  /** TOTP seed, AES-GCM encrypted with DATA_ENCRYPTION_KEY. */
  @Property({ type: 'text', nullable: true, hidden: true })
  mfaSecretEnc: string | null = null;

  /** Seed offered by /auth/mfa/enable, active once a code from it is verified. */
  @Property({ type: 'text', nullable: true, hidden: true })
  mfaPendingSecretEnc: string | null = null;

  /** Last accepted TOTP time step: a code is never accepted twice. */
  @Property({ type: 'bigint', nullable: true, hidden: true })
  mfaLastStep: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;
}
