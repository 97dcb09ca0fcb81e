import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX } from './auth.dto';

export class MfaEnrollmentDto {
  /** Base32 TOTP seed, for typing into an authenticator app. */
  secret: string;
  /** `otpauth://totp/…` URI, for a QR code. */
  otpauthUrl: string;
}

/**
 * Authenticated: `{code}` confirms the pending enrolment. Unauthenticated: `{mfaToken, code}`
 * finishes a login; `code` is a TOTP code or an unused recovery code.
 */
export class MfaVerifyDto {
  /** 6-digit TOTP code, or a recovery code (`xxxxx-xxxxx`) when finishing a login. */
  @IsString() @IsNotEmpty() @MaxLength(32)
  code: string;

  /** From /auth/login's `{mfaRequired: true, mfaToken}`; omit when confirming an enrolment. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2048)
  mfaToken?: string;
}

export class MfaEnabledDto {
  enabled: true;
  /** Shown once: each code opens one login when the authenticator is lost. */
  recoveryCodes: string[];
}

export class MfaDisableDto {
  @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX)
  password: string;

  /** A current TOTP code or an unused recovery code. */
  @IsString() @IsNotEmpty() @MaxLength(32)
  code: string;
}

/** Confirming an enrolment gives `{enabled, recoveryCodes}`; finishing a login gives a token pair. */
export class MfaVerifyResultDto {
  enabled?: true;
  recoveryCodes?: string[];
  accessToken?: string;
  refreshToken?: string;
  expiresIn?: number;
  tokenType?: 'Bearer';
}
