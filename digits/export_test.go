package digits

// Similarity is similarity, for the external tests.
var Similarity = similarity
