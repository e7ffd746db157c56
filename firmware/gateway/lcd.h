/*
 * lcd.h - the text of the 2 x 12 character display (pure).
 *
 * Screen 0 (the normal one): responding / polled UO-4 and the server state,
 *   "UO-4 31/32"
 *   "Server: on"
 * Screen 1 (after a button press): the own IP address, split over the two
 * lines because "255.255.255.255" does not fit in twelve characters,
 *   "IP 192.168."
 *   "10.186"
 */
#ifndef GW_LCD_H
#define GW_LCD_H

#include <stdbool.h>
#include <stdint.h>

#define LCD_COLS    12
#define LCD_SCREENS 2

struct lcd_input {
	unsigned polled;     /* addresses in the poll list */
	unsigned responding; /* of those, answering */
	bool server;	     /* connected to the broker */
	uint8_t ip[4];	     /* own address */
};

/* Write the two lines of screen (0 or 1) into l1 and l2 (13 bytes each,
 * NUL-terminated, at most 12 characters). */
void lcd_render(const struct lcd_input *in, int screen, char l1[LCD_COLS + 1],
		char l2[LCD_COLS + 1]);

#endif
