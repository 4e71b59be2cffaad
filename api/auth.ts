import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { PrincipalSchema, type Principal, type Role, type User } from '../schemas/identity';
import { LienthongError } from '../schemas/errors';
import type { CurrentAccount } from '../store/identity-store';

const ISSUER = 'lienthong';
const AUDIENCE = 'lienthong-api';

/**
 * JWT claim carrying the account's token generation (`tokenVersion` of the user document, absent = 0). A token
 * whose `tv` differs from the account's current version was issued before the account was closed, its rights
 * changed or its password changed, and is refused.
 */
export const TOKEN_VERSION_CLAIM = 'tv';

/** What a verified JWT says: who, with the rights it was issued with, and its generation. */
export interface TokenClaims extends Principal {
  tokenVersion: number;
}

/** Where `authenticate` reads the caller's account as it is now (IdentityStore in production). */
export interface AccountSource {
  currentAccount(username: string): Promise<CurrentAccount | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Issues and verifies the API's HS256 JWTs (jose). */
export class TokenService {
  private readonly key: Uint8Array;
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** Signs a token for `user`; `tokenVersion` (default 0) becomes the `tv` claim. */
  async issue(
    user: User & { tokenVersion?: number },
    now: Date,
  ): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.ttlSeconds;
    const claims: Record<string, unknown> = {
      agency: user.agency,
      roles: user.roles,
      [TOKEN_VERSION_CLAIM]: user.tokenVersion ?? 0,
    };
    if (user.passwordChangeRequired) claims.pwc = true;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.username)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** @throws LienthongError UNAUTHENTICATED / TOKEN_EXPIRED */
  async verify(token: string, now: Date): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: now,
      });
      const tv = payload[TOKEN_VERSION_CLAIM] ?? 0;
      if (typeof tv !== 'number' || !Number.isSafeInteger(tv)) throw new Error('bad tv claim');
      const principal = PrincipalSchema.parse({
        username: payload.sub,
        agency: payload.agency,
        roles: payload.roles,
        passwordChangeRequired: payload.pwc === true ? true : undefined,
      });
      return { ...principal, tokenVersion: tv };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw new LienthongError('TOKEN_EXPIRED', 'The token has expired');
      throw new LienthongError('UNAUTHENTICATED', 'The bearer token is missing or invalid');
    }
  }
}

/**
 * onRequest hook (it runs before the body is read) that requires a valid bearer token of an account that is open
 * now, and sets `request.principal` with the account's current roles and agency (never the token's). A closed or
 * deleted account, or a token whose `tv` is not the account's current `tokenVersion`, is refused with 401. A
 * refused request that carries a body is answered with `Connection: close`, so the body is not read.
 */
export function authenticate(tokens: TokenService, clock: () => Date, accounts: AccountSource) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      const header = request.headers.authorization;
      const match = header?.match(/^Bearer\s+(\S+)$/i);
      if (!match) throw new LienthongError('UNAUTHENTICATED', 'Authorization: Bearer <token> is required');
      const claims = await tokens.verify(match[1], clock());
      const account = await accounts.currentAccount(claims.username);
      if (!account || !account.active)
        throw new LienthongError('UNAUTHENTICATED', 'The account is closed or no longer exists');
      if (account.tokenVersion !== claims.tokenVersion)
        throw new LienthongError('UNAUTHENTICATED', 'The token was revoked; sign in again');
      request.principal = {
        username: account.username,
        agency: account.agency,
        roles: [...account.roles],
        // A password reset bumps the token version, so a token carrying this flag is at most as old as the reset.
        passwordChangeRequired: claims.passwordChangeRequired,
      };
    } catch (err) {
      if (hasBody(request)) reply.header('connection', 'close');
      throw err;
    }
  };
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * onRequest hook after `authenticate`: a token issued while the password must be changed (after an administrator's
 * reset) serves no route but `POST /api/v1/auth/password`.
 */
export async function requirePasswordChanged(request: FastifyRequest): Promise<void> {
  if (request.principal?.passwordChangeRequired) {
    throw new LienthongError(
      'PASSWORD_CHANGE_REQUIRED',
      'Choose a new password with POST /api/v1/auth/password before anything else',
    );
  }
}

/** The authenticated caller; throws if the route forgot its auth hook (a programming error). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new LienthongError('UNAUTHENTICATED', 'Not authenticated');
  return request.principal;
}

/** @throws LienthongError FORBIDDEN unless the caller holds one of `roles`. */
export function requireRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const principal = principalOf(request);
  if (!principal.roles.some((r) => roles.includes(r))) {
    throw new LienthongError('FORBIDDEN', `This action needs one of the roles: ${roles.join(', ')}`);
  }
  return principal;
}

/**
 * preValidation hook form of {@link requireRole}: a caller without the role is refused (403) before its body is
 * validated, so a wrong role learns nothing about the body the route expects.
 */
export function roleGuard(...roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    requireRole(request, ...roles);
  };
}
