import { Module } from '@nestjs/common';
import { UserLifecycle } from '../users/user-lifecycle.service';
import { UserErasuresController } from './user-erasures.controller';
import { UserErasuresService } from './user-erasures.service';
import { UserExportsController } from './user-exports.controller';
import { UserExportsService } from './user-exports.service';

/** GDPR: data exports and account erasure. UsersModule imports it for DELETE /users/me?erase=true. */
@Module({
  controllers: [UserExportsController, UserErasuresController],
  // UserLifecycle is stateless over the EntityManager; a local instance avoids a module cycle with UsersModule.
  providers: [UserExportsService, UserErasuresService, UserLifecycle],
  exports: [UserErasuresService],
})
export class PrivacyModule {}
