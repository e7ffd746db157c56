#include <stdio.h>

#include "lcd.h"

void lcd_render(const struct lcd_input *in, int screen, char l1[LCD_COLS + 1],
		char l2[LCD_COLS + 1])
{
	if (screen == 1) {
		snprintf(l1, LCD_COLS + 1, "IP %u.%u.", in->ip[0], in->ip[1]);
		snprintf(l2, LCD_COLS + 1, "%u.%u", in->ip[2], in->ip[3]);
		return;
	}
	snprintf(l1, LCD_COLS + 1, "UO-4 %u/%u", in->responding % 1000, in->polled % 1000);
	snprintf(l2, LCD_COLS + 1, "Server: %s", in->server ? "on" : "off");
}
