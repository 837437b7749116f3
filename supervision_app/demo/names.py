"""Name parts for synthetic people. No real person is named: a full name is a random
pairing of a common first name and a common surname, drawn with a seeded generator.

The lists deliberately include names with accents, Welsh circumflexes, Polish, Nordic and
Vietnamese letters, so every screen and PDF that shows a name is exercised with them.
"""
from __future__ import annotations

import random
import unicodedata

FIRST_NAMES = (
    # common in England and Wales
    "Oliver", "Amelia", "Noah", "Isla", "George", "Ava", "Leo", "Freya", "Harry", "Lily",
    "Jack", "Evie", "Alfie", "Poppy", "Mason", "Ruby", "Riley", "Grace", "Jayden", "Harper",
    "Ellis", "Kai", "Sophia", "Mia", "Theo", "Millie", "Archie", "Daisy", "Reggie", "Ivy",
    # Welsh, Irish and Scottish
    "Siân", "Dafydd", "Rhys", "Ffion", "Iolo", "Gwenllian", "Carys", "Aled", "Aoife",
    "Niamh", "Sinéad", "Seán", "Eoin", "Ciarán", "Mairéad", "Eilidh", "Ruairidh",
    # with accents and other alphabets' letters
    "Zoë", "Chloë", "Renée", "Inès", "José", "Anaïs", "Émile", "François", "Tomás", "Lucía",
    "Łukasz", "Zofia", "Kacper", "Bartłomiej", "Małgorzata", "Wiktoria", "Jakub", "Agnieszka",
    "Søren", "Åsa", "Bjørn", "Ólafur", "Sigrún", "Jürgen", "Björn",
    "Minh", "Linh", "Thu", "Bảo", "Ngọc", "Huỳnh", "Phương",
    # South Asian, African, Middle Eastern, East Asian
    "Muhammad", "Aisha", "Ayesha", "Yusuf", "Fatima", "Ibrahim", "Maryam", "Hamza", "Zainab",
    "Priya", "Aarav", "Anaya", "Arjun", "Ishaan", "Simran", "Harpreet",
    "Chidi", "Amara", "Kofi", "Ama", "Ayodele", "Chiamaka", "Tendai", "Nia", "Abdi", "Hodan",
    "Mei", "Jun", "Hana", "Kenji",
)

SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Roberts", "Johnson", "Lewis", "Walker", "Robinson", "Wood", "Thompson", "White", "Watson",
    "Jackson", "Wright", "Green", "Harris", "Cooper", "King", "Lee", "Martin", "Clarke",
    "James", "Morgan", "Hughes", "Edwards", "Hill", "Moore", "Clark", "Harrison", "Scott",
    "Young", "Morris", "Hall", "Ward", "Turner", "Carter", "Phillips", "Mitchell", "Patel",
    "Adams", "Campbell", "Anderson", "Allen", "Cook", "Bailey", "Parker", "Miller", "Griffiths",
    "Ap Dafydd", "Llewelyn", "Prydderch", "Ó Briain", "O'Connor", "Mac Giolla", "MacLeod",
    "McKenzie", "Ødegård", "Sørensen", "Åberg", "Müller", "Schröder", "García", "Fernández",
    "Gonçalves", "Da Silva", "Lefèvre", "Kowalski", "Wiśniewska", "Nowak", "Wójcik",
    "Zieliński", "Dąbrowska", "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng",
    "Ahmed", "Khan", "Hussain", "Begum", "Ali", "Shah", "Rahman", "Chowdhury", "Kaur", "Singh",
    "Okafor", "Adeyemi", "Mensah", "Osei", "Okonkwo", "Abdullahi", "Mohamud", "Chen", "Wang",
    "Tanaka", "Kim",
)

_ASCII_FOLD = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "Đ": "D",
    "'": "", " ": "",
})


def ascii_fold(text: str) -> str:
    """A plain-ASCII rendering, for usernames: 'Łukasz Ødegård' -> 'Lukasz Odegard'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(c for c in decomposed if c.isascii())


def full_name(rng: random.Random) -> tuple[str, str]:
    """(first name, surname), NFC-normalised."""
    first = unicodedata.normalize("NFC", rng.choice(FIRST_NAMES))
    last = unicodedata.normalize("NFC", rng.choice(SURNAMES))
    return first, last


TEAM_NAMES = (
    "Assessment", "Safeguarding", "Children in Care", "Leaving Care", "Family Support",
    "Disabled Children", "Court and Proceedings", "Adolescent Support", "Fostering Support",
    "Early Intervention",
)
AREA_NAMES = (
    "North", "South", "East", "West", "Central", "Riverside", "Hillside", "Coastal", "Vale",
    "Forest", "Moorland", "Harbour",
)
