import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { ROLE_NAME } from './roles.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateTeamDto {
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100)
  name: string;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  description?: string;

  /** Role granted to every member on top of their own; null for none. */
  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ROLE_NAME, { message: 'role must be a role name' })
  role?: string | null;
}

export class UpdateTeamDto {
  @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100)
  name?: string;

  @IsOptional() @Transform(trim) @IsString() @MaxLength(500)
  description?: string;

  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(ROLE_NAME, { message: 'role must be a role name' })
  role?: string | null;
}

export class AddTeamMemberDto {
  @IsUUID('all')
  userId: string;

  @IsOptional() @IsIn(['lead', 'member'])
  teamRole?: 'lead' | 'member';
}

export class TeamDto {
  id: string;
  name: string;
  description: string;
  role: string | null;
  memberCount?: number;
  createdAt: string;
  updatedAt: string;
}

export class TeamMemberDto {
  userId: string;
  email: string;
  name: string;
  teamRole: string;
  addedAt: string;
}

export class TeamPageDto {
  items: TeamDto[];
  nextCursor: string | null;
}

export class TeamMemberPageDto {
  items: TeamMemberDto[];
  nextCursor: string | null;
}
