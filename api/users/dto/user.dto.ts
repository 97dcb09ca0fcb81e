import type { User } from '../../../shared/persistence/entities';

export class UserDto {
  id: string;
  email: string;
  name: string;
  /** admin, member or viewer. */
  role: string;
  /** active, suspended or deleted. */
  status: string;
  emailVerified: boolean;
  mfaEnabled: boolean;
  createdAt: string;
  updatedAt: string;

  static from(user: Pick<User, 'id' | 'email' | 'name' | 'role' | 'status' | 'emailVerifiedAt' | 'mfaEnabled' | 'createdAt' | 'updatedAt'>): UserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      status: user.status,
      emailVerified: user.emailVerifiedAt !== null,
      mfaEnabled: user.mfaEnabled,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}
