/**
 * Names of the Kafka record headers Wharf writes. Raw records carry these
 * plus the provider's allow-listed request headers under their own names.
 */
export const RAW_HEADERS = {
  /** The provider the webhook came from (`ongoing`, `shipwell`, `happycolis`). */
  source: 'wharf-source',
  /** The id the ingress answered with. */
  requestId: 'wharf-request-id',
  /** When the ingress received the request (ISO 8601, UTC). */
  receivedAt: 'wharf-received-at',
  /** The event type named by the URL (`/webhooks/:source/:eventType`), if any. */
  urlEventType: 'wharf-url-event-type',
  /**
   * The tenant the request's credential is bound to (absent when it may
   * speak for any). The worker trusts it over the body: the ingress writes
   * it after authentication and drops any such header a request sends.
   */
  tenant: 'wharf-tenant',
  /** The request's Content-Type. */
  contentType: 'content-type',
} as const;
