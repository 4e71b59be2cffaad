import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { PrincipalSchema, type Principal, type Role, type User } from '../schemas/identity';
import { LienthongError } from '../schemas/errors';

const ISSUER = 'lienthong';
const AUDIENCE = 'lienthong-api';

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

  async issue(user: User, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.ttlSeconds;
    const claims: Record<string, unknown> = { agency: user.agency, roles: user.roles };
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
  async verify(token: string, now: Date): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: now,
      });
      return PrincipalSchema.parse({
        username: payload.sub,
        agency: payload.agency,
        roles: payload.roles,
        passwordChangeRequired: payload.pwc === true ? true : undefined,
      });
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw new LienthongError('TOKEN_EXPIRED', 'The token has expired');
      throw new LienthongError('UNAUTHENTICATED', 'The bearer token is missing or invalid');
    }
  }
}

/** preHandler that requires a valid bearer token and sets `request.principal`. */
export function authenticate(tokens: TokenService, clock: () => Date) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new LienthongError('UNAUTHENTICATED', 'Authorization: Bearer <token> is required');
    request.principal = await tokens.verify(match[1], clock());
  };
}

/**
 * preHandler after `authenticate`: a token issued while the password must be changed (after an administrator's
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
