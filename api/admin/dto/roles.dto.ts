import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Permission } from '../../../shared/domain/roles';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
export const ROLE_NAME = /^[a-z][a-z0-9_-]{1,63}$/;
const PERMISSIONS = Object.values(Permission);

export class CreateRoleDto {
  /** Lower-case letters, digits, `_` and `-`, 2–64 characters, starting with a letter. */
  @Matches(ROLE_NAME, { message: 'name must be 2-64 lower-case letters, digits, _ or -, starting with a letter' })
  name: string;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  description?: string;

  @IsArray() @ArrayMaxSize(100) @IsIn(PERMISSIONS, { each: true })
  permissions: Permission[];
}

export class UpdateRoleDto {
  @IsOptional() @Matches(ROLE_NAME, { message: 'name must be 2-64 lower-case letters, digits, _ or -, starting with a letter' })
  name?: string;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  description?: string;

  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsIn(PERMISSIONS, { each: true })
  permissions?: Permission[];
}

export class RolePermissionsDto {
  @IsArray() @ArrayMaxSize(100) @IsIn(PERMISSIONS, { each: true })
  permissions: Permission[];
}

export class RoleDto {
  id: string;
  name: string;
  description: string;
  /** What the role grants now (an unedited built-in follows the release's defaults). */
  permissions: string[];
  builtIn: boolean;
  customized: boolean;
  createdAt: string;
  updatedAt: string;
}

export class RolePageDto {
  items: RoleDto[];
  nextCursor: string | null;
}
