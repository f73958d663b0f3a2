import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Password hashing for admin user accounts: scrypt (memory-hard) from `node:crypto`, with the
 * parameters written into the stored string so that they can be raised later without breaking
 * existing hashes:
 *
 * `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<hash, base64>`, e.g. `scrypt$15$8$1$3q2+7w...$Yk9...`
 *
 * N = 2^15, r = 8, p = 1 take 32 MiB and ~50–100 ms per hash: slow enough that a stolen database
 * cannot be guessed through quickly, fast enough for a sign-in. Hashing runs on libuv's thread
 * pool, so it does not block the event loop.
 */

/** The parameters new hashes are made with. */
export const SCRYPT_PARAMS = { logN: 15, r: 8, p: 1, keyLength: 32, saltBytes: 16 } as const;

/** What a password must be: long enough to resist guessing, short enough not to be a DoS vector. */
export const PASSWORD_RULES = { minChars: 12, maxChars: 1024 } as const;

/**
 * Bounds on parameters read back from a stored hash: a tampered row cannot make a verification
 * take gigabytes or minutes.
 */
const ACCEPTED = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16, minKeyBytes: 16, maxKeyBytes: 64 };

const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** scrypt's memory is 128 × N × r bytes; allow twice that (Node's default cap is exactly 32 MiB). */
function maxmemFor(logN: number, r: number): number {
  return 2 * 128 * 2 ** logN * r + 1024 * 1024;
}

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, keyLength, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * Why a password is not acceptable, or null when it is. Counts characters (code points), not bytes.
 *
 * @example
 * passwordProblem("short") // "a password needs at least 12 characters"
 * passwordProblem("correct horse battery") // null
 */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_RULES.minChars)
    return `a password needs at least ${PASSWORD_RULES.minChars} characters`;
  if (length > PASSWORD_RULES.maxChars)
    return `a password may have at most ${PASSWORD_RULES.maxChars} characters`;
  return null;
}

/**
 * Hash a password with a fresh random salt under `SCRYPT_PARAMS`.
 *
 * @example
 * const stored = await hashPassword("correct horse battery"); // "scrypt$15$8$1$...$..."
 */
export async function hashPassword(password: string): Promise<string> {
  const { logN, r, p, keyLength, saltBytes } = SCRYPT_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyLength, { N: 2 ** logN, r, p, maxmem: maxmemFor(logN, r) });
  return `scrypt$${logN}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/**
 * Whether `password` matches a stored hash (compared in constant time). A stored string that is not
 * a well-formed hash within the accepted bounds never matches.
 *
 * @example
 * await verifyPassword("correct horse battery", stored) // true
 * await verifyPassword("wrong", stored)                 // false
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (match === null) return false;
  const [logN, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = Buffer.from(match[4] ?? "", "base64");
  const expected = Buffer.from(match[5] ?? "", "base64");
  if (
    logN < ACCEPTED.minLogN ||
    logN > ACCEPTED.maxLogN ||
    r < 1 ||
    r > ACCEPTED.maxR ||
    p < 1 ||
    p > ACCEPTED.maxP ||
    salt.length < 8 ||
    expected.length < ACCEPTED.minKeyBytes ||
    expected.length > ACCEPTED.maxKeyBytes
  ) {
    return false;
  }
  const key = await derive(password, salt, expected.length, {
    N: 2 ** logN,
    r,
    p,
    maxmem: maxmemFor(logN, r),
  });
  return timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spend the time of one verification without an account to check, so that a sign-in with an unknown
 * user name takes as long as one with a wrong password (the answer is the same too). Always false.
 *
 * @example
 * const ok = user === null ? await verifyNobody(password) : await verifyPassword(password, user.passwordHash);
 */
export async function verifyNobody(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(18).toString("base64"));
  await verifyPassword(password, await dummyHash);
  return false;
}
