"""Reading a newsdedup output folder back for people: the HTML report and the story view."""
