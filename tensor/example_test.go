package tensor_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/tensor"
)

func Example() {
	a := tensor.FromFloat64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	col := tensor.FromFloat64([]float64{10, 20}, 2, 1)
	fmt.Println(tensor.Add(a, col))  // (2,3) + (2,1) broadcasts along the columns
	fmt.Println(tensor.Sum(a, 0))    // column sums
	fmt.Println(tensor.ArgMax(a, 1)) // index of each row's maximum
	fmt.Println(tensor.MatMul(a, tensor.Transpose(a)))
	// Output:
	// tensor([2 3], float64) [[11 12 13] [24 25 26]]
	// tensor([3], float64) [5 7 9]
	// [2 2]
	// tensor([2 2], float64) [[14 32] [32 77]]
}
