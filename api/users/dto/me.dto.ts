import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../auth/dto/auth.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UpdateMeDto {
  @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name?: string;

  /** Required together with newPassword. */
  @ValidateIf((o: UpdateMeDto) => o.newPassword !== undefined || o.currentPassword !== undefined)
  @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX)
  currentPassword?: string;

  /** 10 to 128 characters; changing it ends every other session. */
  @ValidateIf((o: UpdateMeDto) => o.newPassword !== undefined || o.currentPassword !== undefined)
  @IsString() @MinLength(PASSWORD_MIN) @MaxLength(PASSWORD_MAX)
  newPassword?: string;
}

export class DeleteMeDto {
  @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX)
  password: string;
}
