//go:build !unix

package atomicfile

// oNoFollow is 0 where the system has no O_NOFOLLOW; O_EXCL still refuses
// an existing name.
const oNoFollow = 0
