import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../config/app-config';
import { BuiltInRole } from '../domain/roles';
import { hashPassword } from '../security/password-hasher';
import { randomToken } from '../security/secret-tokens';
import { User } from './entities';
import { mikroOrmConfig } from './mikro-orm.config';

/**
 * Creates the first admin when there is none: from ADMIN_EMAIL/ADMIN_PASSWORD, or with generated
 * credentials printed once. Does nothing when an admin exists.
 */
async function main() {
  const config = loadConfig();
  const orm = await MikroORM.init({ ...mikroOrmConfig({ ...config, DATABASE_POOL_MAX: 2 }) });
  try {
    const em = orm.em.fork();
    if ((await em.count(User, { role: BuiltInRole.Admin })) > 0) return;
    const email = (config.ADMIN_EMAIL ?? 'admin@localhost.localdomain').toLowerCase();
    const password = config.ADMIN_PASSWORD ?? randomToken(18);
    const admin = em.create(User, {
      email,
      name: 'Administrator',
      role: BuiltInRole.Admin,
      passwordHash: await hashPassword(password),
      emailVerifiedAt: new Date(),
    });
    await em.persistAndFlush(admin);
    if (config.ADMIN_PASSWORD) {
      console.log(`[bootstrap] first admin created: ${email}`);
    } else {
      console.log(`\n  First admin created. Save these credentials now; they are not shown again:\n    email:    ${email}\n    password: ${password}\n`);
    }
  } finally {
    await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
