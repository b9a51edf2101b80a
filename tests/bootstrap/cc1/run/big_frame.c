/* a frame larger than 128 bytes: locals past the 8-bit displacement */
int main()
{
	char big[300];
	int after = 7;
	int arr[50];
	int i;
	int sum = 0;
	for(i = 0; i < 300; i = i + 1) big[i] = i;
	for(i = 0; i < 50; i = i + 1) arr[i] = i * 3;
	for(i = 0; i < 50; i = i + 1) sum = sum + arr[i];
	show("sum", sum);
	show("after", after);
	show("big", big[299] + big[150]);
	after = after + big[200];
	show("after2", after);
	return 0;
}
