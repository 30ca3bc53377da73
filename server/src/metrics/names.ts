/**
 * Every metric TovWatch exports, by name. Dashboards and alert rules are tested
 * against a live /metrics, so a name changes here, in rules/ and in dashboards/ together.
 */
export const M = {
  httpDuration: 'tovwatch_http_request_duration_seconds',
  authFailures: 'tovwatch_auth_failures_total',

  lokiChunkDuration: 'tovwatch_loki_chunk_duration_seconds',
  lokiRetries: 'tovwatch_loki_retries_total',
  lokiRateLimited: 'tovwatch_loki_rate_limited_total',
  lokiIncomplete: 'tovwatch_loki_incomplete_results_total',
  lokiUp: 'tovwatch_loki_up',
  linesClassified: 'tovwatch_log_lines_classified_total',
  feedsShared: 'tovwatch_error_feeds_shared_total',
  errorsRecent: 'tovwatch_errors_recent',
  errorSpike: 'tovwatch_error_spike',
  cacheRequests: 'tovwatch_cache_requests_total',
  dependencyUp: 'tovwatch_dependency_up',
  externalCallDuration: 'tovwatch_external_call_duration_seconds',

  pgDatabaseUp: 'tovwatch_pg_database_up',
  pgIdentityOk: 'tovwatch_pg_identity_ok',
  pgWatchedTablePresent: 'tovwatch_pg_watched_table_present',
  pgTableRows: 'tovwatch_pg_table_rows',
  pgTableSize: 'tovwatch_pg_table_size_bytes',
  pgRowCollapse: 'tovwatch_pg_row_collapse',
  pgConnections: 'tovwatch_pg_connections',
  pgMaxConnections: 'tovwatch_pg_max_connections',
  pgConnectionsUsedRatio: 'tovwatch_pg_connections_used_ratio',
  pgIdleInTxMax: 'tovwatch_pg_idle_in_transaction_max_seconds',
  pgLongestQuery: 'tovwatch_pg_longest_query_seconds',
  pgLockWaiting: 'tovwatch_pg_lock_waiting',
  pgProbeDuration: 'tovwatch_pg_probe_duration_seconds',
  pgProbeErrors: 'tovwatch_pg_probe_errors_total',
  pgbouncerUp: 'tovwatch_pgbouncer_up',
  pgbouncerClientsActive: 'tovwatch_pgbouncer_clients_active',
  pgbouncerClientsWaiting: 'tovwatch_pgbouncer_clients_waiting',
  pgbouncerMaxWait: 'tovwatch_pgbouncer_max_wait_seconds',
  pgbouncerServersActive: 'tovwatch_pgbouncer_servers_active',
  pgbouncerServersIdle: 'tovwatch_pgbouncer_servers_idle',
  backupAge: 'tovwatch_backup_age_seconds',
  backupLastSuccess: 'tovwatch_backup_last_success_timestamp_seconds',

  alertsReceived: 'tovwatch_alerts_received_total',
  alertsFiring: 'tovwatch_alerts_firing',
  alertEventsStored: 'tovwatch_alert_events_stored_total',
  alertStoreErrors: 'tovwatch_alert_store_errors_total',
  webhookRejected: 'tovwatch_webhook_rejected_total',
  snapshotsComputed: 'tovwatch_alert_snapshots_computed_total',
  wsClients: 'tovwatch_ws_clients',
  wsDisconnects: 'tovwatch_ws_disconnects_total',
  notifierSent: 'tovwatch_notifier_messages_total',

  schedRequestsCreated: 'tovwatch_sched_requests_created_total',
  schedRequestsAccepted: 'tovwatch_sched_requests_accepted_total',
  schedRequestsDeclined: 'tovwatch_sched_requests_declined_total',
  schedSessionsScheduled: 'tovwatch_sched_sessions_scheduled_total',
  schedSessionsCancelled: 'tovwatch_sched_sessions_cancelled_total',
  schedConflicts: 'tovwatch_sched_conflicts_total',
} as const

export { SEVERITIES, type Severity } from '../../../shared/severity.js'
