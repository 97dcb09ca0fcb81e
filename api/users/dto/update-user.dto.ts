import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { KNOWN_ROLES } from '../../../shared/domain/roles';
import { UserStatus } from '../../../shared/persistence/entities';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Deletion has its own route, so status is only active or suspended here. */
export class UpdateUserDto {
  @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name?: string;

  @IsOptional() @IsIn(KNOWN_ROLES)
  role?: string;

  @IsOptional() @IsIn([UserStatus.Active, UserStatus.Suspended])
  status?: UserStatus.Active | UserStatus.Suspended;

  @IsOptional() @IsBoolean()
  emailVerified?: boolean;
}
