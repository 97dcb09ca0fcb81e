import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { KNOWN_ROLES } from '../../../shared/domain/roles';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../auth/dto/auth.dto';

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateUserDto {
  @Transform(lower) @IsEmail() @MaxLength(320)
  email: string;

  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  /** admin, member or viewer. */
  @IsIn(KNOWN_ROLES)
  role: string;

  /** Without one, the user is mailed a token to set their own password. */
  @IsOptional() @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX)
  password?: string;
}
