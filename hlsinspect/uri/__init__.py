"""How a URI written in a playlist, or given on the command line, names an object: key rules,
URL parts, and the forms of an S3 bucket's own URLs. No I/O here; stores and targets use it."""
