import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { UserErasuresService } from '../privacy/user-erasures.service';
import { AccountService } from './account.service';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQueryDto, UserPageDto } from './dto/list-users.dto';
import { DeleteMeDto, UpdateMeDto } from './dto/me.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly account: AccountService,
    private readonly erasures: UserErasuresService,
  ) {}

  /** Lists users, newest first; deleted ones only with status=deleted. */
  @Get()
  @RequirePermissions(Permission.UsersRead)
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(query);
  }

  /** Creates a user; without a password they are mailed a token to set one. */
  @Post()
  @RequirePermissions(Permission.UsersManage)
  create(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.users.create(dto);
  }

  /** The caller's own account. */
  @Get('me')
  me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    return this.account.get(principal);
  }

  /** Renames the caller or changes their password (which ends their other sessions). */
  @Patch('me')
  @RequirePermissions(Permission.SelfManage)
  updateMe(@CurrentPrincipal() principal: Principal, @Body() dto: UpdateMeDto): Promise<UserDto> {
    return this.account.update(principal, dto);
  }

  /**
   * Deletes the caller's account (needs the password); the email can register again (204).
   * With ?erase=true it is erased from every store instead: 202 and the user-erasure workflow's state.
   */
  @Delete('me')
  @RequirePermissions(Permission.SelfManage)
  async deleteMe(@CurrentPrincipal() principal: Principal, @Body() dto: DeleteMeDto, @Query('erase') erase: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (erase === 'true') {
      await reply.status(HttpStatus.ACCEPTED).send(await this.erasures.eraseSelf(principal, dto.password));
      return;
    }
    await this.account.remove(principal, dto);
    await reply.status(HttpStatus.NO_CONTENT).send();
  }

  @Get(':id')
  @RequirePermissions(Permission.UsersRead)
  get(@Param('id', UUID) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  /** Renames, changes role, suspends or reactivates, marks the email verified. */
  @Patch(':id')
  @RequirePermissions(Permission.UsersManage)
  update(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.users.update(principal, id, dto);
  }

  /** Soft-deletes a user: their sessions and API keys are revoked at once. */
  @Delete(':id')
  @RequirePermissions(Permission.UsersManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.users.remove(principal, id);
  }
}
