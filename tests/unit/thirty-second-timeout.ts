// Unit tests that spawn the CLI or generate keys take a few seconds on a busy 2-core machine: 30 s, not jest's 5.
// (Jest 29 ignores `testTimeout` inside a project's configuration, so the project sets it here.)
jest.setTimeout(30_000);
