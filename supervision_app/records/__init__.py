"""Records as documents: PDF rendering, signing, verification, export."""
import warnings

# pyHanko imports cryptography's DSA support at load, which cryptography 51 marks deprecated:
# a warning on stderr whenever signing or verification loads (and in every test run). Records
# are signed with the EC keys security/pki.py makes; nothing here uses DSA.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")
