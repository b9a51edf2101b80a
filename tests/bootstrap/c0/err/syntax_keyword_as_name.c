// ERROR 2: expected an identifier
int while;
