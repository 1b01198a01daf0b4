package regression

import "math"

// feasible decides whether the polyhedron {v ≥ 0 : Av = b} is non-empty,
// for a p×m matrix A given by rows, by phase one of the simplex method: it
// minimises the sum of p artificial variables added to the equations, and
// the set is non-empty exactly when that minimum is zero.
//
// The entering column is the one with the most negative reduced cost
// (Dantzig's rule), except after a degenerate pivot, when it is the first
// eligible column (Bland's rule), which cannot cycle; an iteration cap
// guards against rounding. ok is false if the method stopped without an
// answer. (gonum's lp.Simplex was tried first; it can cycle or panic on
// small degenerate separation problems.)
func feasible(a [][]float64, b []float64) (isFeasible, ok bool) {
	p := len(a)
	if p == 0 {
		return true, true
	}
	m := len(a[0])
	w := m + p + 1 // columns: v, artificials, right-hand side
	t := make([][]float64, p)
	basis := make([]int, p)
	scale := 1.0
	for i := range t {
		row := make([]float64, w)
		sign := 1.0
		if b[i] < 0 {
			sign = -1
		}
		for j, v := range a[i] {
			row[j] = sign * v
		}
		row[m+i] = 1
		row[w-1] = sign * b[i]
		scale = math.Max(scale, row[w-1])
		t[i] = row
		basis[i] = m + i
	}
	// Reduced costs of minimising Σ artificials: d = −Σᵢ tᵢ over the
	// non-artificial columns; obj = Σᵢ rhsᵢ.
	d := make([]float64, w)
	for _, row := range t {
		for j := 0; j < m; j++ {
			d[j] -= row[j]
		}
		d[w-1] -= row[w-1]
	}
	const tol = 1e-9
	bland := false
	limit := 50 * (m + p)
	for iter := 0; iter < limit; iter++ {
		// Entering column.
		enter := -1
		best := -tol
		for j := 0; j < m+p; j++ {
			if d[j] < best {
				enter = j
				if bland {
					break
				}
				best = d[j]
			}
		}
		if enter < 0 {
			// Optimal: the minimum sum of artificials is −d[w−1].
			return -d[w-1] <= 1e-8*scale, true
		}
		// Ratio test; ties go to the smallest basic index (Bland).
		leave := -1
		var ratio float64
		for i, row := range t {
			if row[enter] > tol {
				r := row[w-1] / row[enter]
				if leave < 0 || r < ratio-1e-12*math.Abs(ratio) || (r <= ratio+1e-12*math.Abs(ratio) && basis[i] < basis[leave]) {
					leave, ratio = i, r
				}
			}
		}
		if leave < 0 {
			return false, false // unbounded: impossible in phase one
		}
		bland = ratio <= tol
		// Pivot on t[leave][enter].
		pr := t[leave]
		piv := pr[enter]
		for j := range pr {
			pr[j] /= piv
		}
		for i, row := range t {
			if i == leave {
				continue
			}
			if f := row[enter]; f != 0 {
				for j := range row {
					row[j] -= f * pr[j]
				}
				row[enter] = 0
			}
		}
		if f := d[enter]; f != 0 {
			for j := range d {
				d[j] -= f * pr[j]
			}
			d[enter] = 0
		}
		basis[leave] = enter
	}
	return false, false
}
