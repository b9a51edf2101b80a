/* exit() from deep inside a call flushes output and sets the status */
void finish(int code)
{
	put_s("finishing\n");
	exit(code);
}

int main()
{
	put_s("start\n");
	finish(17);
	put_s("not reached\n");
	return 0;
}
