import { randomBytes } from 'node:crypto';

/**
 * A random positive 16-byte certificate serial number (RFC 5280 4.1.2.2: positive, at most 20 octets; CA/B Forum
 * asks for at least 64 random bits). The top bit is cleared so the INTEGER is positive without a leading zero.
 */
export function randomSerial(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes;
}

/** Lower-case hex of a serial number's INTEGER content octets, leading zero octets removed. */
export function serialToHex(serial: Uint8Array): string {
  let i = 0;
  while (i < serial.length - 1 && serial[i] === 0) i++;
  return Buffer.from(serial.subarray(i)).toString('hex');
}

/** Parses a hex serial ("0A1B…", optional "0x" and colons) into INTEGER content octets (positive). */
export function serialFromHex(hex: string): Uint8Array {
  let clean = hex.replace(/^0x/i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(clean)) throw new Error(`not a hex serial number: ${hex}`);
  if (clean.length % 2) clean = `0${clean}`;
  const bytes = Buffer.from(clean, 'hex');
  return new Uint8Array(bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}
