export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}
export function startPrivateRedis(options?: { attempts?: number; timeoutMs?: number }): Promise<PrivateRedis>;
