/**
 * Third-party actions the generated workflow uses, pinned to full commit SHAs so a moved tag cannot
 * change what runs with the workflow's secrets. Bump all three together (e.g. with Dependabot).
 */
export const PINNED_ACTIONS = {
  checkout: { uses: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", tag: "v4.2.2" },
  dockerLogin: { uses: "docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772", tag: "v3.4.0" },
  buildPush: { uses: "docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83", tag: "v6.18.0" },
} as const;
