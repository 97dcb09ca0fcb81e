import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../../../shared/config/app-config';
import { GovernanceBus } from '../../../shared/governance/governance-bus';
import { RoleDirectory } from '../../../shared/governance/role-directory';
import { AccessTokenService } from './access-token.service';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator.service';
import { SessionCache } from './session-cache';

/** Credential checking shared by every feature module; the /auth routes live in api/auth. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      // A KeyObject, built once: given a string, jsonwebtoken first tries (and fails) to parse it as a
      // public key, then builds a secret key, on every sign and verify.
      useFactory: (config: AppConfig) => ({
        secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')) as unknown as string,
        signOptions: { algorithm: 'HS256' },
      }),
    }),
  ],
  providers: [AccessTokenService, Authenticator, SessionCache, GovernanceBus, RoleDirectory, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AccessTokenService, Authenticator, GovernanceBus, RoleDirectory],
})
export class AuthCoreModule {}
