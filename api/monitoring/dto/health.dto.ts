export class ComponentHealthDto {
  /** postgres, redis, temporal, elasticsearch or a provider name. */
  name: string;
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export class HealthReportDto {
  /** ok when every component is up; degraded (HTTP 503) otherwise. */
  status: 'ok' | 'degraded';
  checkedAt: string;
  components: ComponentHealthDto[];
}

export class LivenessDto {
  status: 'ok';
  uptimeSeconds: number;
}
