import neostandard from 'neostandard'

// One linter and formatter for the whole repository (neostandard: standard style, TypeScript aware).
export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'dist/**', 'ui/dist/**', '.data/**', 'coverage/**'] }),
]
