import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../../../shared/config/app-config';
import { GovernanceBus } from '../../../shared/governance/governance-bus';
import { RoleDirectory } from '../../../shared/governance/role-directory';
import { AccessTokenService } from './access-token.service';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator.service';

/** Credential checking shared by every feature module; the /auth routes live in api/auth. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.JWT_SECRET, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  providers: [AccessTokenService, Authenticator, GovernanceBus, RoleDirectory, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AccessTokenService, Authenticator, GovernanceBus, RoleDirectory],
})
export class AuthCoreModule {}
