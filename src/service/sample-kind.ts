/** Which starter code a service gets. */
export enum SampleKind {
  /** An HTTP server using only the standard library (`python -m <module>.main`). */
  HTTP = 'http',
  /** A FastAPI app (`uvicorn <module>.main:app`). */
  FASTAPI = 'fastapi',
  /** A loop that writes the heartbeat (workers). */
  WORKER = 'worker',
  /** A torch training loop that writes the heartbeat and checkpoints (GPU trainers). */
  TRAINER = 'trainer',
  /** A torch model behind a standard-library HTTP server (GPU inference). */
  INFERENCE = 'inference',
}
