import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength, MinLength } from 'class-validator';
import { UserDto } from '../../users/dto/user.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export const PASSWORD_MIN = 10;
// argon2 over an unbounded input is a denial-of-service lever.
export const PASSWORD_MAX = 128;

export class RegisterDto {
  @Transform(lower) @IsEmail() @MaxLength(320)
  email: string;

  /** 10 to 128 characters. */
  @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX)
  password: string;

  /** Trimmed; blank or whitespace-only is refused. */
  @Transform(trim) @IsString() @IsNotEmpty({ message: 'name must not be blank' }) @MaxLength(200)
  name: string;
}

export class LoginDto {
  @Transform(lower) @IsEmail() @MaxLength(320)
  email: string;

  @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX)
  password: string;
}

export class RefreshDto {
  @IsString() @IsNotEmpty() @MaxLength(200)
  refreshToken: string;
}

export class TokenPairDto {
  /** Short-lived JWT for `Authorization: Bearer`. */
  accessToken: string;
  /** Single-use: exchange it at /auth/refresh for a new pair. Reusing one revokes the session. */
  refreshToken: string;
  /** Lifetime of the access token, in seconds. */
  expiresIn: number;
  tokenType: 'Bearer';
}

/** Either a token pair, or (MFA enabled) a challenge to answer at /auth/mfa/verify. */
export class LoginResultDto {
  accessToken?: string;
  refreshToken?: string;
  expiresIn?: number;
  tokenType?: 'Bearer';
  mfaRequired?: boolean;
  /** Short-lived token naming the pending login; send it with the TOTP or recovery code. */
  mfaToken?: string;
}

/** The same for a new and a known address, so registration cannot tell which emails have accounts. */
export class RegisterResultDto {
  message: string;
}

export class VerifyEmailDto {
  /** The `token:` line of the verification mail. */
  @IsString() @IsNotEmpty() @MaxLength(200)
  token: string;
}

export class ForgotPasswordDto {
  @Transform(lower) @IsEmail() @MaxLength(320)
  email: string;
}

export class ResetPasswordDto {
  /** The `token:` line of the reset mail. */
  @IsString() @IsNotEmpty() @MaxLength(200)
  token: string;

  /** The new password, 10 to 128 characters. */
  @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX)
  password: string;
}

/** Always the same answer, whether or not the account exists. */
export class ForgotPasswordResultDto {
  message: string;
}

export class SessionInfoDto {
  id: string;
  /** password, mfa or oidc:<provider>. */
  method: string;
  createdAt: string;
  expiresAt: string;
}

export class CurrentSessionDto {
  user: UserDto;
  /** Null when authenticated with an API key. */
  @ApiProperty({ type: () => SessionInfoDto, nullable: true })
  session: SessionInfoDto | null;
  apiKeyId: string | null;
}
