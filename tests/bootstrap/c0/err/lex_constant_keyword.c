// ERROR 2: bad CONSTANT line
// CONSTANT while 5
