; Inno Setup script for Supervision Recorder on Windows (Inno Setup 6.2 or newer).
; Build steps: packaging/windows/README.md. In short, from the repository root:
;   python -m PyInstaller --noconfirm --clean --distpath dist --workpath build packaging\supervision-app.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\supervision-recorder.iss
; Output: dist\SupervisionRecorder-<version>-setup.exe
;
; Per-machine install into Program Files (installing needs an administrator once; running the
; app never does: it writes only to the user's own AppData and keyring). Silent install for
; software deployment tools (Intune, SCCM, PDQ):
;   SupervisionRecorder-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="%TEMP%\sr-setup.log"
; Silent uninstall:
;   "%ProgramFiles%\Supervision Recorder\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z supervision-recorder.iss (it is in pyproject.toml)
#endif
#define AppName "Supervision Recorder"
#define BundleDir "..\..\dist\supervision-app"
#define WindowedExe "Supervision Recorder.exe"
#define ConsoleExe "supervision-app.exe"

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{6F1C2B7A-4D3E-4A8B-9C51-2E7D0F3A9B64}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Supervision Recorder project
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir=..\..\dist
OutputBaseFilename=SupervisionRecorder-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\app-icon.ico
UninstallDisplayIcon={app}\{#WindowedExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no
ChangesEnvironment=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
; The whole PyInstaller folder: both executables and _internal\ (Python, Qt, forms, resources).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\resources\icons\app-icon.ico"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\docs\INSTALL.md"; DestDir: "{app}"; Flags: ignoreversion skipifsourcedoesntexist
Source: "..\..\CHANGELOG.md"; DestDir: "{app}"; Flags: ignoreversion skipifsourcedoesntexist

[InstallDelete]
; An upgrade replaces the program folder's contents; user data lives elsewhere (AppData).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#WindowedExe}"; IconFilename: "{app}\app-icon.ico"; Comment: "Record, sign and review case supervision"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#WindowedExe}"; IconFilename: "{app}\app-icon.ico"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
; Prove the installation works (throwaway profile and keyring, nothing of the user's touched).
Filename: "{app}\{#ConsoleExe}"; Parameters: "--self-test"; StatusMsg: "Checking the installation..."; Flags: runhidden waituntilterminated; Check: not WizardSilent
Filename: "{app}\{#WindowedExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
; Profiles (the encrypted records) in each user's AppData and their keys in Windows Credential
; Manager are deliberately NOT removed: records must be kept and synced or archived first.
