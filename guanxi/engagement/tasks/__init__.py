"""Tasks, reminders, notifications (the bell), "My day", the calendar and the iCal feed."""
