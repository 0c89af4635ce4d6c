/** The job queues; a module of its own so code that only sends jobs does not load the queue client. */
export const QUEUES = {
  materializePartition: 'materialize-partition',
} as const;
