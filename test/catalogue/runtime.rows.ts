/**
 * The runtime of real ML services: when a job's health is its heartbeat.
 */
import { Row, svc, trainer } from './support';

export const rows: Row[] = [
  { name: 'heartbeat on a service with a port', build: svc({ port: 8000, heartbeat: true }), path: 'vision/api', got: 'heartbeat is set with a port: got true', expected: 'no heartbeat (a service with a port is probed over HTTP on healthCheckPath)' },
  { name: 'heartbeatMaxAge with heartbeat: false', build: trainer({ heartbeat: false, heartbeatMaxAge: 600 }), path: 'vision/trainer', got: 'heartbeatMaxAge is set with heartbeat: false: got 600', expected: 'heartbeat: true (or left out) with heartbeatMaxAge, or no heartbeatMaxAge' },
  { name: 'heartbeat given as a string', build: svc({ heartbeat: 'yes' }), path: 'vision/api', got: 'heartbeat has the wrong type: got "yes"', expected: 'true or false' },
];
