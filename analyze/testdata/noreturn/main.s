# A function that ends in a call that does not return, alignment padding, then a
# function nothing calls: the analyzer must not run on through the padding into it.
	.text
	.globl	_start
	.type	_start, @function
_start:
	call	fatal_check
	mov	$60, %eax		# exit
	xor	%edi, %edi
	syscall
	.size	_start, .-_start

	.type	fatal_check, @function
fatal_check:
	call	die			# never returns, like __stack_chk_fail
	.size	fatal_check, .-fatal_check

	.p2align 4, 0x90		# one-byte no-ops up to the next function
	.type	never_called, @function
never_called:
	mov	$170, %eax		# sethostname
	syscall
	ret
	.size	never_called, .-never_called

	.type	die, @function
die:
	mov	$231, %eax		# exit_group
	xor	%edi, %edi
	syscall
	hlt
	.size	die, .-die
	.section .note.GNU-stack,"",@progbits
