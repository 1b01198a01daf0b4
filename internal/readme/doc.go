// Package readme holds the test that compiles the Go snippets of the
// module's README.md, so that the library tour cannot drift from the API.
package readme
