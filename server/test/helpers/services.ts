// The shared fixtures live in server/fixtures/, where tests and benchmarks both take them.
export * from '../../fixtures/services.js'
