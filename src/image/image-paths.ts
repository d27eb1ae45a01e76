/**
 * Paths every image shares (the runtime helpers, the shared code, the app user), named once for
 * the constructs that write the files and the pure image model that copies them.
 */

/** Generated helper modules every image copies to /opt/mldocker. */
export const RUNTIME_HELPERS_DIR = 'docker/runtime';
/**
 * The Python package of the runtime helpers, importable in every image (`/opt/mldocker` is on PYTHONPATH).
 */
export const RUNTIME_PACKAGE = 'mldocker_runtime';
/** Code shared by every service, copied to /app/common (user-owned sample). */
export const SHARED_CODE_DIR = 'services/common';
/** Where every service's code lives in the image (`sources` keep their layout under it). */
export const APP_DIR = '/app';
/** The numeric user every image runs as. */
export const APP_UID = 10001;
