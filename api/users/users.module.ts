import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { AccountService } from './account.service';
import { ApiKeysService } from './api-keys.service';
import { SessionsService } from './sessions.service';
import { UserApiKeysController } from './user-api-keys.controller';
import { UserLifecycle } from './user-lifecycle.service';
import { UserScope } from './user-scope.service';
import { UserSessionsController } from './user-sessions.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [AuthModule, PrivacyModule],
  controllers: [UsersController, UserSessionsController, UserApiKeysController],
  providers: [UsersService, AccountService, SessionsService, ApiKeysService, UserScope, UserLifecycle],
  exports: [UserLifecycle, UsersService],
})
export class UsersModule {}
