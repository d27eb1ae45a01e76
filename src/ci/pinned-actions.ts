/**
 * Actions the workflow uses, pinned to full commit SHAs: a tag can be moved (in March 2026,
 * 76 tags of aquasecurity/trivy-action were force-pushed to a credential stealer), a commit
 * cannot. Each SHA was read from the action's own repository with
 * `git rev-parse <tag>^{commit}` on a clone of github.com/<action> (all are lightweight tags,
 * so the tag and the commit are the same object):
 *
 * - actions/checkout v7.0.1: 3d3c42e5aac5ba805825da76410c181273ba90b1 (2026-07-17; also v7)
 * - actions/setup-node v7.0.0: 820762786026740c76f36085b0efc47a31fe5020 (2026-07-13)
 * - docker/setup-buildx-action v4.3.0: 37fe631027851001ddb9b187196cc803df7f5f0e (2026-08-17)
 * - docker/setup-qemu-action v4.2.0: 96fe6ef7f33517b61c61be40b68a1882f3264fb8 (2026-07-01; also v4),
 *   only in workflows of services built for linux/arm64 (`platforms`)
 * - docker/build-push-action v7.3.0: 53b7df96c91f9c12dcc8a07bcb9ccacbed38856a (2026-07-01)
 * - docker/login-action v4.1.0: 4907a6ddec9925e35a0a9e82d7399ccc52663121 (2026-04-02)
 * - docker/metadata-action v6.2.0: dc802804100637a589fabce1cb79ff13a1411302 (2026-07-02)
 * - hadolint/hadolint-action v3.3.0: 2332a7b74a6de0dda2e2221d575162eba76ba5e5 (2025-09-22;
 *   runs hadolint 2.14.0 from ghcr.io/hadolint/hadolint:v2.14.0-debian)
 * - anchore/scan-action v7.4.0: e1165082ffb1fe366ebaf02d8526e7c4989ea9d2 (2026-03-20; Grype).
 *   Chosen over aquasecurity/trivy-action because of that tag hijack (CVE-2026-33634).
 */
export const PINNED_ACTIONS = {
  checkout: { uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupNode: { uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  setupBuildx: { uses: 'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0' },
  setupQemu: { uses: 'docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8', version: 'v4.2.0' },
  buildPush: { uses: 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0' },
  login: { uses: 'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0' },
  metadata: { uses: 'docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302', version: 'v6.2.0' },
  hadolint: { uses: 'hadolint/hadolint-action@2332a7b74a6de0dda2e2221d575162eba76ba5e5', version: 'v3.3.0' },
  scan: { uses: 'anchore/scan-action@e1165082ffb1fe366ebaf02d8526e7c4989ea9d2', version: 'v7.4.0' },
} as const;
