// Connection passwords are sealed with AES-GCM under REEF_SECRET. WebCrypto, so the same code runs in Node and Workers.
const encoder = new TextEncoder();

async function keyFrom(secret: string): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest('SHA-256', encoder.encode(secret));
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** `v1:<iv>:<ciphertext+tag>`, both base64; a fresh random IV each time. */
export async function sealSecret(plain: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await keyFrom(secret), encoder.encode(plain));
  return `v1:${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

export async function openSecret(sealed: string, secret: string): Promise<string> {
  const [version, iv, data] = sealed.split(':');
  if (version !== 'v1' || !iv || !data) throw new Error('sealed secret has an unknown format');
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv) }, await keyFrom(secret), fromBase64(data));
  return new TextDecoder().decode(plain);
}

/** Tokens are stored as their SHA-256, hex. */
export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function generateToken(prefix = 'reef'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `${prefix}_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
